const data = { a: 1, b: 2 };
function load(key, callback) {
  setImmediate(() => {
    if (key in data) callback(null, data[key]);
    else callback(new Error(`no key ${key}`));
  });
}
module.exports = { load };
