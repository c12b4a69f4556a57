const { calc } = require("./cart.js");
module.exports = { report: (items) => `total: ${calc(items)}` };
