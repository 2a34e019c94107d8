import { defineAppConfig } from "../../vite.app.ts";

export default defineAppConfig({ app: "h5", ui: "vant" });
