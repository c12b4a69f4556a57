// JSON Schemas of the two trajectory exports, written from their specs: Harbor's ATIF v1.4
// (trajectory.json) and the OpenAI chat fine-tuning format (one {"messages", "tools"} object per
// line). Tests validate every export against them; consumers may too.
import type { JsonSchema } from "../util/json-schema.js";

const nonNegative = { type: "number", minimum: 0 };
const count = { type: "integer", minimum: 0 };
const tokenIds = { type: "array", items: count };
const logprobs = { type: "array", items: { type: "number", maximum: 0 } };
const perTurn = (items: JsonSchema) => ({ type: "array", items });

/** Harbor's RolloutDetail: one linear chat segment as per-turn lists (aligned by turn). */
const ROLLOUT_DETAIL: JsonSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    prompt_token_ids: perTurn(tokenIds),
    completion_token_ids: perTurn(tokenIds),
    logprobs: perTurn(logprobs),
    extra: {
      type: "object",
      properties: { step_id: { type: "array", items: { type: "integer", minimum: 1 } } },
    },
  },
};

/** ATIF v1.4: what Ratchet emits (required fields per the spec; optional ones typed when present). */
export const ATIF_SCHEMA: JsonSchema = {
  type: "object",
  required: ["schema_version", "session_id", "agent", "steps"],
  properties: {
    schema_version: { type: "string", pattern: "^ATIF-v1\\.[0-9]+$" },
    session_id: { type: "string" },
    agent: {
      type: "object",
      required: ["name", "version", "model_name"],
      properties: {
        name: { type: "string", minLength: 1 },
        version: { type: "string", minLength: 1 },
        model_name: { type: "string" },
        extra: { type: "object" },
      },
    },
    steps: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["step_id", "timestamp", "source", "message"],
        additionalProperties: false,
        properties: {
          step_id: { type: "integer", minimum: 1 },
          timestamp: { type: "string", format: "date-time" },
          source: { enum: ["system", "user", "agent"] },
          model_name: { type: "string" },
          message: { type: "string" },
          reasoning_content: { type: "string" },
          tool_calls: {
            type: "array",
            items: {
              type: "object",
              required: ["tool_call_id", "function_name", "arguments"],
              additionalProperties: false,
              properties: {
                tool_call_id: { type: "string", minLength: 1 },
                function_name: { type: "string", minLength: 1 },
                arguments: { type: "object" },
              },
            },
          },
          observation: {
            type: "object",
            required: ["results"],
            properties: {
              results: {
                type: "array",
                items: {
                  type: "object",
                  required: ["content"],
                  properties: { source_call_id: { type: "string" }, content: { type: "string" } },
                },
              },
            },
          },
          metrics: {
            type: "object",
            properties: {
              prompt_tokens: count,
              completion_tokens: count,
              cached_tokens: count,
              cost_usd: nonNegative,
              // v1.3/v1.4: token-level details, as the model server returned them.
              prompt_token_ids: tokenIds,
              completion_token_ids: tokenIds,
              logprobs,
            },
          },
          extra: { type: "object", properties: { trainable: { type: "boolean" } } },
        },
      },
    },
    final_metrics: {
      type: "object",
      properties: {
        total_prompt_tokens: count,
        total_completion_tokens: count,
        total_cached_tokens: count,
        total_cost_usd: nonNegative,
        total_steps: count,
      },
    },
    notes: { type: "string" },
    extra: {
      type: "object",
      properties: { rollout_details: { type: "array", items: ROLLOUT_DETAIL } },
    },
  },
};

const toolCall = {
  type: "object",
  required: ["id", "type", "function"],
  additionalProperties: false,
  properties: {
    id: { type: "string", minLength: 1 },
    type: { const: "function" },
    function: {
      type: "object",
      required: ["name", "arguments"],
      additionalProperties: false,
      // arguments is a JSON-encoded string, as the API sends it
      properties: { name: { type: "string", minLength: 1 }, arguments: { type: "string" } },
    },
  },
};

/** One line of the chat JSONL export. */
export const CHAT_LINE_SCHEMA: JsonSchema = {
  type: "object",
  required: ["messages"],
  additionalProperties: false,
  properties: {
    messages: {
      type: "array",
      minItems: 1,
      items: {
        oneOf: [
          {
            type: "object",
            required: ["role", "content"],
            additionalProperties: false,
            properties: { role: { enum: ["system", "user"] }, content: { type: "string" } },
          },
          {
            type: "object",
            required: ["role", "content"],
            additionalProperties: false,
            properties: {
              role: { const: "assistant" },
              content: { type: "string" },
              tool_calls: { type: "array", minItems: 1, items: toolCall },
            },
          },
          {
            type: "object",
            required: ["role", "tool_call_id", "content"],
            additionalProperties: false,
            properties: {
              role: { const: "tool" },
              tool_call_id: { type: "string", minLength: 1 },
              content: { type: "string" },
            },
          },
        ],
      },
    },
    tools: {
      type: "array",
      items: {
        type: "object",
        required: ["type", "function"],
        properties: {
          type: { const: "function" },
          function: {
            type: "object",
            required: ["name", "parameters"],
            properties: {
              name: { type: "string", minLength: 1 },
              description: { type: "string" },
              parameters: { type: "object" },
            },
          },
        },
      },
    },
  },
};
