// Package @yima/api: the generated service descriptors and messages, the
// Connect transport with the bearer token, token storage and error text.
export * from "./client";
export * from "./early";
export * from "./errors";
export * from "./login";
export * from "./token";

export * from "./gen/yima/identity/v1/identity_pb";
export * from "./gen/yima/rbac/v1/rbac_pb";
export * from "./gen/yima/audit/v1/audit_pb";
export * from "./gen/yima/checkin/v1/checkin_pb";
export * from "./gen/yima/checkin/v1/staff_pb";
export * from "./gen/yima/project/v1/project_pb";
export * from "./gen/yima/project/v1/discovery_pb";
export * from "./gen/yima/certificate/v1/certificate_pb";
export * from "./gen/yima/org/v1/org_pb";
export * from "./gen/yima/org/v1/org_admin_pb";
export * from "./gen/yima/org/v1/member_pb";
export * from "./gen/yima/org/v1/org_discovery_pb";
export * from "./gen/yima/volunteer/v1/volunteer_pb";
export * from "./gen/yima/volunteer/v1/record_check_pb";
export * from "./gen/yima/volunteer/v1/elicense_pb";
export * from "./gen/yima/volunteer/v1/card_pb";
export * from "./gen/yima/record/v1/record_pb";
export * from "./gen/yima/notify/v1/notify_pb";
export { ConnectError, Code, createClient, type Client } from "@connectrpc/connect";
export { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
