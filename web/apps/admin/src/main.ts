import { createApp } from "vue";
import { boot } from "@yima/shared";
import App from "./App.vue";
import { createConsole } from "./console";
import { createConsoleRouter } from "./router";
import "element-plus/theme-chalk/base.css";
import "./styles.css";

const b = boot();
const con = createConsole(b.session);
const router = createConsoleRouter(b, con);
createApp(App).use(router).use(b.session).use(con).mount("#app");
