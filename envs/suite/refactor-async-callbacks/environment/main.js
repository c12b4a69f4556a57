const { load } = require("./store.js");
function sum(keys, callback) {
  let total = 0;
  let left = keys.length;
  for (const k of keys)
    load(k, (err, v) => {
      if (err) return callback(err);
      total += v;
      if (--left === 0) callback(null, total);
    });
}
module.exports = { sum };
