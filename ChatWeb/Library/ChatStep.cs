using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Library;

/// <summary>One step of a streamed reply: thinking, answer, progress while waiting, or the end with usage and timings.</summary>
public abstract record ChatStep;

/// <summary>A piece of the model's reasoning (text inside &lt;think&gt;…&lt;/think&gt;, or reasoning content).</summary>
public sealed record ThinkingToken(string Text) : ChatStep;

/// <summary>A piece of the answer the user reads.</summary>
public sealed record AnswerToken(string Text) : ChatStep;

/// <summary>
/// A closing &lt;/think&gt; without an opening one (the chat template opened the block): every answer
/// token so far was thinking. A consumer that can take text back moves it; a stream already sent cannot.
/// </summary>
public sealed record AnswerWasThinking : ChatStep;

/// <summary>The model's log-probability of the next token (asked for with <c>WithLogprobs</c>); it comes before that token's text.</summary>
public sealed record LogprobStep(TokenLogprob Logprob) : ChatStep;

/// <summary>The model called a function (tools offered with <c>ChatOptions.Tools</c>); the reply then ends with finish reason "tool_calls".</summary>
public sealed record ToolCallStep(Microsoft.Extensions.AI.FunctionCallContent Call) : ChatStep;

/// <summary>The request waits in the queue or reads its prompt, or how fast it writes (from the inference scheduler).</summary>
public sealed record ProgressStep(GenerationProgress Progress) : ChatStep;

/// <summary>The reply is complete.</summary>
/// <param name="FinishReason">"stop" when the model ended its turn, "length" when it hit the token limit, "tool_calls" when it called functions.</param>
public sealed record ChatCompleted(ChatUsage Usage, ChatTimings Timings, string FinishReason) : ChatStep;

/// <summary>Tokens read and written for one reply.</summary>
public sealed record ChatUsage(int PromptTokens, int CompletionTokens)
{
    public int TotalTokens => PromptTokens + CompletionTokens;
}

/// <summary>How long one reply took.</summary>
/// <param name="FirstTokenMs">From the request to the first streamed token (prompt processing).</param>
/// <param name="TotalMs">From the request to the end of the reply.</param>
/// <param name="TokensPerSecond">Completion tokens per second after the first token.</param>
public sealed record ChatTimings(double FirstTokenMs, double TotalMs, double TokensPerSecond);
