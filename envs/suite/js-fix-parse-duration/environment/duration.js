function parseDuration(s) {
  const units = { h: 3600, m: 60, s: 1 };
  let total = 0;
  for (const [, n, u] of s.matchAll(/(\d)([hms])/g)) total += Number(n) * units[u];
  return total;
}
module.exports = { parseDuration };
