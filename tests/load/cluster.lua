-- `cargo xtask cluster`: through nginx (TLS), the idempotent GETs a visitor's browser and a
-- monitor make, in turn. nginx retries a GET on another instance when one dies
-- (`proxy_next_upstream`), so while an instance is killed or the database restarts the
-- client must see no error at all.
package.path = package.path .. ";" .. (os.getenv("LOAD_SCRIPTS") or ".") .. "/?.lua"
require("common")

local requests = {}
local next_request = 0

function init(args)
  requests = {
    wrk.format("GET", "/healthz"),
    wrk.format("GET", "/api/v1/config"),
    wrk.format("GET", "/", { ["Accept-Encoding"] = "gzip, br" }),
  }
end

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
