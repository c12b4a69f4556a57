function slugify(s) {
  return s.toLowerCase().trim().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}
function round2(x) {
  return Math.round(x * 100) / 100;
}
module.exports = { slugify, round2 };
