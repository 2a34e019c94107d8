import { defineAppConfig } from "../../vite.app.ts";

export default defineAppConfig({ app: "admin", ui: "element" });
