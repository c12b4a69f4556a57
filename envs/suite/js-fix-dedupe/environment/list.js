function dedupe(list) {
  return [...new Set(list)].sort();
}
module.exports = { dedupe };
