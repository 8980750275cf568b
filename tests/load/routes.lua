-- 1000 connections on the routes that are not conversions: health, readiness, the app's
-- configuration, the app's page and the browser's telemetry reports, in turn.
package.path = package.path .. ";" .. (os.getenv("LOAD_SCRIPTS") or ".") .. "/?.lua"
require("common")

local telemetry = '{"outcome":"ok","version":"MPP14","size_bucket":"100k_1m","duration_ms":42}'

local requests = {}
local next_request = 0

function init(args)
  requests = {
    wrk.format("GET", "/healthz"),
    wrk.format("GET", "/readyz"),
    wrk.format("GET", "/api/v1/config"),
    wrk.format("GET", "/", { ["Accept-Encoding"] = "gzip, br" }),
    wrk.format("POST", "/api/v1/telemetry", { ["Content-Type"] = "application/json" }, telemetry),
  }
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
