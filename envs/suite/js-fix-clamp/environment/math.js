function clamp(x, lo, hi) {
  return Math.max(hi, Math.min(lo, x));
}
module.exports = { clamp };
