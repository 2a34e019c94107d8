// early.js starts the first calls of an H5 page load while the app's code
// is still on its way (on 3G that saves a round trip, over half a second):
// who is signed in (GetMe, ListAccounts) and, for a volunteer, what 我的 and
// 我的志愿者码 show first. A plain script, loaded async beside the bundle, so
// it runs as soon as it arrives; the app takes the answers through
// earlyInterceptor (packages/api/src/early.ts), which explains the rest.
// It reads what the app stores: the token (packages/api/src/token.ts) and
// the kind of the account that acted last (packages/shared/src/session.ts).
(function () {
  "use strict";
  if (window.yimaEarly) return; // the app started first (its code was cached)
  if (location.hash.indexOf("token=") >= 0) return; // a fresh sign-in: the app takes that token first
  var token, expires, kind;
  try {
    token = localStorage.getItem("yima.token");
    expires = localStorage.getItem("yima.token.expires_at");
    kind = localStorage.getItem("yima.account_kind");
  } catch (e) {
    return;
  }
  if (!token || (expires && Date.parse(expires) <= Date.now())) return;

  function call(method) {
    return fetch("/" + method, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Connect-Protocol-Version": "1",
        Authorization: "Bearer " + token,
      },
      body: "{}",
    }).then(
      function (res) {
        return res.ok ? res.json() : undefined;
      },
      function () {
        return undefined;
      },
    );
  }

  var methods = ["yima.identity.v1.IdentityService/GetMe", "yima.identity.v1.IdentityService/ListAccounts"];
  // ACCOUNT_KIND_VOLUNTEER: only a volunteer has these to show.
  if (kind === "2") {
    var page = location.pathname.replace(/^\/h5/, "").replace(/\/+$/, "");
    if (page === "") methods.push("yima.volunteer.v1.VolunteerService/GetMyProfile");
    if (page === "/code") methods.push("yima.checkin.v1.CheckinService/GetVolunteerCode");
  }
  var calls = {};
  methods.forEach(function (m) {
    calls[m] = call(m);
  });
  window.yimaEarly = { token: token, calls: calls };
})();
