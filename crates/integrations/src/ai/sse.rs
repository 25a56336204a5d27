//! Reading a streamed chat completion: server-sent events split into lines (bounded), each
//! `data:` line a JSON chunk whose deltas are assembled into one assistant message.

use serde_json::Value;

use super::{AiError, ChatMessage, FunctionCall, ToolCall, Usage};

/// Longest SSE line accepted (one chunk of JSON).
const MAX_LINE: usize = 64 * 1024;
/// Most tool calls assembled from one answer.
const MAX_TOOL_CALLS: usize = 16;

/// Splits bytes into lines; a line longer than [`MAX_LINE`] is an error.
#[derive(Debug, Default)]
pub(super) struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    pub(super) fn push(&mut self, bytes: &[u8]) -> Result<Vec<String>, AiError> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == b'\n' {
                let line = std::mem::take(&mut self.pending);
                let mut text = String::from_utf8(line).map_err(|_| AiError::Malformed("utf-8"))?;
                if text.ends_with('\r') {
                    text.pop();
                }
                out.push(text);
            } else {
                if self.pending.len() >= MAX_LINE {
                    return Err(AiError::Malformed("SSE line too long"));
                }
                self.pending.push(b);
            }
        }
        Ok(out)
    }
}

/// What one line meant.
pub(super) enum Step {
    Delta(String),
    Done,
    Nothing,
}

/// Accumulates the deltas of one answer.
#[derive(Debug, Default)]
pub(super) struct Assembler {
    text: String,
    calls: Vec<ToolCall>,
    usage: Usage,
    model: Option<String>,
}

impl Assembler {
    pub(super) fn line(&mut self, line: &str) -> Result<Step, AiError> {
        let Some(data) = line.strip_prefix("data:") else {
            // Comments (`: keep-alive`), `event:`, `id:` and blank separators.
            return Ok(Step::Nothing);
        };
        let data = data.trim();
        if data == "[DONE]" {
            return Ok(Step::Done);
        }
        let v: Value = serde_json::from_str(data).map_err(|_| AiError::Malformed("SSE data"))?;
        if let Some(m) = v.get("model").and_then(Value::as_str) {
            self.model.get_or_insert_with(|| m.to_owned());
        }
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            self.usage = Usage::from_json(u);
        }
        let Some(delta) = v.pointer("/choices/0/delta") else {
            return Ok(Step::Nothing);
        };
        if let Some(calls) = delta.get("tool_calls").and_then(Value::as_array) {
            for call in calls {
                self.tool_call_fragment(call)?;
            }
        }
        match delta.get("content").and_then(Value::as_str) {
            Some(text) if !text.is_empty() => {
                self.text.push_str(text);
                Ok(Step::Delta(text.to_owned()))
            }
            _ => Ok(Step::Nothing),
        }
    }

    fn tool_call_fragment(&mut self, call: &Value) -> Result<(), AiError> {
        let index = call
            .get("index")
            .and_then(Value::as_u64)
            .and_then(|i| usize::try_from(i).ok())
            .unwrap_or(self.calls.len().saturating_sub(1));
        if index >= MAX_TOOL_CALLS {
            return Err(AiError::Malformed("too many tool calls"));
        }
        while self.calls.len() <= index {
            self.calls.push(ToolCall {
                kind: "function".to_owned(),
                ..ToolCall::default()
            });
        }
        let slot = &mut self.calls[index];
        if let Some(id) = call.get("id").and_then(Value::as_str) {
            slot.id = id.to_owned();
        }
        if let Some(f) = call.get("function") {
            if let Some(name) = f.get("name").and_then(Value::as_str) {
                slot.function.name.push_str(name);
            }
            if let Some(args) = f.get("arguments").and_then(Value::as_str) {
                slot.function.arguments.push_str(args);
            }
        }
        Ok(())
    }

    pub(super) fn finish(self) -> (ChatMessage, Usage, Option<String>) {
        let calls = self
            .calls
            .into_iter()
            .filter(|c| !c.function.name.is_empty())
            .map(|c| ToolCall {
                function: FunctionCall {
                    arguments: if c.function.arguments.is_empty() {
                        "{}".to_owned()
                    } else {
                        c.function.arguments
                    },
                    ..c.function
                },
                ..c
            })
            .collect();
        (
            ChatMessage {
                role: "assistant".to_owned(),
                content: (!self.text.is_empty()).then_some(self.text),
                tool_calls: calls,
                tool_call_id: None,
            },
            self.usage,
            self.model,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_of_text_and_tool_calls_are_assembled_across_chunk_boundaries() {
        let wire = concat!(
            ": keep-alive\n\n",
            "data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\r\n\r\n",
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\",\"function\":{\"name\":\"search\",\"arguments\":\"{\\\"q\\\":\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"x\\\"}\"}}]}}]}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"cost\":0.000012}}\n\n",
            "data: [DONE]\n\n",
        );
        let (mut lines, mut acc) = (LineSplitter::default(), Assembler::default());
        let mut deltas = Vec::new();
        // Split the bytes at every 7th byte, as a network would.
        'outer: for piece in wire.as_bytes().chunks(7) {
            for line in lines.push(piece).unwrap() {
                match acc.line(&line).unwrap() {
                    Step::Delta(d) => deltas.push(d),
                    Step::Done => break 'outer,
                    Step::Nothing => {}
                }
            }
        }
        let (msg, usage, model) = acc.finish();
        assert_eq!(deltas.concat(), "Hello");
        assert_eq!(msg.content.as_deref(), Some("Hello"));
        assert_eq!(msg.tool_calls.len(), 1);
        assert_eq!(msg.tool_calls[0].id, "c1");
        assert_eq!(msg.tool_calls[0].function.arguments, "{\"q\":\"x\"}");
        assert_eq!(
            (
                usage.input_tokens,
                usage.output_tokens,
                usage.cost_usd_micros
            ),
            (5, 2, 12)
        );
        assert_eq!(model.as_deref(), Some("m"));
    }

    #[test]
    fn an_endless_line_is_refused_before_it_grows_memory() {
        let mut lines = LineSplitter::default();
        let big = vec![b'a'; MAX_LINE + 1];
        assert!(lines.push(&big).is_err());
    }
}
