const Module = require('module');
require('@langchain/langgraph'); require('@langchain/core/runnables'); require('zod');
const orig = Module._load; const self = {}; const stack = [];
Module._load = function (req, parent, isMain) {
  const t = process.hrtime.bigint(); stack.push(0n);
  try { return orig.apply(this, arguments); } finally {
    const dt = process.hrtime.bigint() - t; const child = stack.pop();
    if (stack.length) stack[stack.length - 1] += dt;
    const key = req.startsWith('.') ? (parent.filename.split('/dist/cjs/')[1] || parent.filename) + ' -> ' + req : req;
    self[key] = (self[key] || 0n) + dt - child;
  }
};
const t = process.hrtime.bigint(); require('langgraph-no'); console.log('total', Number(process.hrtime.bigint() - t) / 1e6);
Object.entries(self).sort((a, b) => Number(b[1] - a[1])).slice(0, 25).forEach(([k, v]) => console.log((Number(v) / 1e6).toFixed(1), k));
