namespace ChatWeb.Library;

/// <summary>One step of a streamed reply: a thinking token, an answer token, or the end with usage.</summary>
public abstract record ChatStep;

/// <summary>A piece of the model's reasoning (text inside &lt;think&gt;…&lt;/think&gt;).</summary>
public sealed record ThinkingToken(string Text) : ChatStep;

/// <summary>A piece of the answer the user reads.</summary>
public sealed record AnswerToken(string Text) : ChatStep;

/// <summary>The reply is complete.</summary>
/// <param name="FinishReason">"stop" when the model ended its turn, "length" when it hit the token limit.</param>
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
