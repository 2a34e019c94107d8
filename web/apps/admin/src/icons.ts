import type { Component } from "vue";
import {
  Document,
  HomeFilled,
  Menu as MenuIcon,
  Monitor,
  OfficeBuilding,
  Setting,
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
};

/** menuIcon picks the icon of a menu entry. */
export function menuIcon(m: Pick<Menu, "icon" | "path">): Component {
  return BY_NAME[m.icon] ?? BY_PATH[m.path] ?? Document;
}

export { HomeFilled };
