-- binary-trees: allocate and walk many short-lived trees (GC, tables, calls)
local function make(d)
  if d == 0 then return { false, false } end
  d = d - 1
  return { make(d), make(d) }
end
local function check(t)
  if not t[1] then return 1 end
  return 1 + check(t[1]) + check(t[2])
end
local n = tonumber(arg and arg[1]) or 14
local mind = 4
local maxd = math.max(mind + 2, n)
print("stretch tree of depth " .. (maxd + 1) .. "\t check: " .. check(make(maxd + 1)))
local long = make(maxd)
for d = mind, maxd, 2 do
  local iters = 1 << (maxd - d + mind)
  local c = 0
  for _ = 1, iters do c = c + check(make(d)) end
  print(iters .. "\t trees of depth " .. d .. "\t check: " .. c)
end
print("long lived tree of depth " .. maxd .. "\t check: " .. check(long))
