// Package @yima/mobile: the Vant pieces shared by the mobile apps (h5, org,
// scan): sign-in page, profile header, account switcher, feedback helpers.
export { default as AccountList } from "./AccountList.vue";
export { default as AccountSheet } from "./AccountSheet.vue";
export { default as BrandMark } from "./BrandMark.vue";
export { default as LogoutButton } from "./LogoutButton.vue";
export { default as MobileLogin } from "./MobileLogin.vue";
export { default as NotFound } from "./NotFound.vue";
export { default as ProfileCard } from "./ProfileCard.vue";
export * from "./feedback";
export * from "./switching";
export { createMobileApp, type MobileAppOptions } from "./app";
