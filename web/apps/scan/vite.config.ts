import { defineAppConfig } from "../../vite.app.ts";

export default defineAppConfig({ app: "scan", ui: "vant" });
