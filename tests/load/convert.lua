-- Fallback conversions: every request uploads the file named by $LOAD_MPP_FILE (raw body)
-- to POST /api/v1/convert and reads the XML back.
package.path = package.path .. ";" .. (os.getenv("LOAD_SCRIPTS") or ".") .. "/?.lua"
require("common")

local path = os.getenv("LOAD_MPP_FILE")
if not path then
  error("set LOAD_MPP_FILE to the .mpp file to upload")
end
local file = assert(io.open(path, "rb"))
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.path = "/api/v1/convert?name=load.mpp"
wrk.body = body
wrk.headers["Content-Type"] = "application/octet-stream"
