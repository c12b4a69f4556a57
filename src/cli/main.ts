// Process entry point of the `ratchet` binary.
import { main } from "./program.js";

await main(process.argv);
