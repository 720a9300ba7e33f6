-- Spreads wrk's requests over the URLs in the file named by the URLS environment variable,
-- and counts answers per second (errors = anything but 200) so a fault run shows when
-- errors began and ended. Prints one JSON object at the end.
local urls = {}
for line in io.lines(os.getenv("URLS")) do urls[#urls + 1] = line end
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + id)
  ok, bad = {}, {}
end

function request()
  return wrk.format("GET", urls[math.random(#urls)])
end

function response(status, headers, body)
  local second = os.time()
  if status == 200 then
    ok[second] = (ok[second] or 0) + 1
  else
    bad[second] = (bad[second] or 0) + 1
  end
end

function done(summary, latency, requests)
  local ok_total, bad_total = {}, {}
  for _, thread in ipairs(threads) do
    for second, n in pairs(thread:get("ok")) do ok_total[second] = (ok_total[second] or 0) + n end
    for second, n in pairs(thread:get("bad")) do bad_total[second] = (bad_total[second] or 0) + n end
  end
  local seconds = {}
  for second, _ in pairs(ok_total) do seconds[second] = true end
  for second, _ in pairs(bad_total) do seconds[second] = true end
  local timeline = {}
  for second, _ in pairs(seconds) do
    timeline[#timeline + 1] = string.format('"%d":[%d,%d]', second, ok_total[second] or 0, bad_total[second] or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"timeouts":%d,"non_2xx":%d,"timeline":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.timeout, e.status,
    table.concat(timeline, ",")))
end
