import { defineAppConfig } from "../../vite.app.ts";

export default defineAppConfig({ app: "org", ui: "vant" });
