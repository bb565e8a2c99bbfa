// Runs a wasm32-wasip1 command module under Node's WASI (V8, as in Envoy): used by
// `make bench-wasm-engine` to time the engine compiled to Wasm on the bench loads.
//   node bench/wasi-run.mjs <module.wasm> [args...]   (the current directory is preopened as .)
import { readFile } from "node:fs/promises";
import { WASI } from "node:wasi";
import process from "node:process";

const [, , module, ...args] = process.argv;
const wasi = new WASI({ version: "preview1", args: [module, ...args], env: process.env, preopens: { ".": "." } });
const wasm = await WebAssembly.compile(await readFile(module));
// The crate's proxy-wasm shell links host imports (module "env"); the engine never calls them.
const imports = wasi.getImportObject();
for (const imp of WebAssembly.Module.imports(wasm)) {
  if (imp.module === "env" && imp.kind === "function") {
    imports.env ??= {};
    imports.env[imp.name] = () => 0;
  }
}
const instance = await WebAssembly.instantiate(wasm, imports);
// The cdylib side also exports `_initialize` (a reactor's entry), which WASI.start refuses.
const exports = Object.assign({}, instance.exports);
delete exports._initialize;
process.exitCode = wasi.start({ exports });
