-- wrk script for bench/bench_api.py: POST /api/v1/orders, a utility-side repair (dispatched at
-- once: the heaviest create), each request with its own customer and Idempotency-Key.
-- Environment: GD_TOKEN, GD_ACCOUNTS (file, one account number per line), GD_RUN (key prefix).
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  token = os.getenv("GD_TOKEN")
  run = os.getenv("GD_RUN")
  accounts = {}
  for line in io.lines(os.getenv("GD_ACCOUNTS")) do
    accounts[#accounts + 1] = line
  end
  counter, statuses = 0, {}
  stride = tonumber(os.getenv("GD_THREADS"))
end

function request()
  -- thread t takes accounts t, t + stride, t + 2 stride, ...: no two requests share a customer
  local n = counter * stride + tid + 1
  counter = counter + 1
  local account = accounts[((n - 1) % #accounts) + 1]
  local body = '{"order_type":"repair","channel":"hotline","customer":"' .. account ..
               '","title":"家里停电","fault_side":"utility"}'
  return wrk.format("POST", "/api/v1/orders", {
    ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = run .. "-" .. n}, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local seen = thread:get("statuses")
    for status, count in pairs(seen) do
      io.write(string.format("status %d %d\n", status, count))
    end
  end
  for _, p in ipairs({50, 90, 99, 99.9}) do
    io.write(string.format("latency_p%s_ms %.2f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("latency_max_ms %.2f\n", latency.max / 1000))
  io.write(string.format("requests %d\nseconds %.3f\n", summary.requests, summary.duration / 1e6))
end
