// Package @yima/shared: what every app needs on top of @yima/api — the
// session (GetMe, accounts, switching, logout), the sign-in guard, labels
// for enums, permission checks and small formatters. UI-library free.
export * from "./boot";
export * from "./checkin";
export * from "./districts";
export * from "./format";
export * from "./idnumber";
export * from "./labels";
export * from "./live";
export * from "./notify";
export * from "./orgs";
export * from "./paged";
export * from "./permissions";
export * from "./session";
export * from "./statuses";
export * from "./usable";
