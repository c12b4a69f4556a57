// Dispatches a model call to the file that speaks its wire API.
import { streamAnthropic } from "./anthropic-messages.js";
import { streamOpenAI } from "./openai-completions.js";
import type { StreamFn } from "./types.js";

/** Calls any configured model through its wire API. */
export const streamModel: StreamFn = (model, context, options) =>
  model.api === "anthropic-messages"
    ? streamAnthropic(model, context, options)
    : streamOpenAI(model, context, options);
