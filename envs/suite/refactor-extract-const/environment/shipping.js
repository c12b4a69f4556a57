function shippingCost(total) {
  if (total >= 50) return 0;
  return 5;
}
function missingForFree(total) {
  return Math.max(0, 50 - total);
}
module.exports = { shippingCost, missingForFree };
