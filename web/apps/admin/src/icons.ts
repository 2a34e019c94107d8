import type { Component } from "vue";
import {
  ChatDotRound,
  Checked,
  Document,
  Files,
  HomeFilled,
  List,
  Menu as MenuIcon,
  Message,
  Monitor,
  OfficeBuilding,
  Setting,
  Stamp,
  Tickets,
  User,
  UserFilled,
} from "@element-plus/icons-vue";
import type { Menu } from "@yima/api";

// Menu icons by name (Element Plus names, or RuoYi's), then by path; only
// these few icons are bundled.
const BY_NAME: Record<string, Component> = {
  // Element Plus icon names, as the server's catalogue declares them
  Setting,
  Monitor,
  User,
  UserFilled,
  OfficeBuilding,
  Menu: MenuIcon,
  Document,
  HomeFilled,
  Stamp,
  List,
  Files,
  Checked,
  Tickets,
  Message,
  ChatDotRound,
  // RuoYi's names, for catalogues written that way
  system: Setting,
  setting: Setting,
  monitor: Monitor,
  user: User,
  peoples: UserFilled,
  role: UserFilled,
  tree: OfficeBuilding,
  dept: OfficeBuilding,
  "tree-table": MenuIcon,
  menu: MenuIcon,
  log: Document,
  logininfor: Document,
  audit: Document,
  home: HomeFilled,
};

const BY_PATH: Record<string, Component> = {
  "/system": Setting,
  "/monitor": Monitor,
  "/system/user": User,
  "/system/role": UserFilled,
  "/system/dept": OfficeBuilding,
  "/system/menu": MenuIcon,
  "/monitor/audit": Document,
  "/org": OfficeBuilding,
  "/org/review": Stamp,
  "/org/info": List,
  "/project": Files,
  "/project/review": Checked,
  "/project/info": Tickets,
};

/** menuIcon picks the icon of a menu entry. */
export function menuIcon(m: Pick<Menu, "icon" | "path">): Component {
  return BY_NAME[m.icon] ?? BY_PATH[m.path] ?? Document;
}

export { HomeFilled };
