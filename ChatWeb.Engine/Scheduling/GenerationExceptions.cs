namespace ChatWeb.Engine.Scheduling;

/// <summary>The queue is full: try again after <see cref="RetryAfter"/> (HTTP 429 with Retry-After on the APIs).</summary>
public sealed class ServerBusyException(TimeSpan retryAfter)
    : Exception($"The server is busy; try again in {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} s.")
{
    /// <summary>When a new request is likely to be accepted.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;

    /// <summary><see cref="RetryAfter"/> in whole seconds (for a Retry-After header).</summary>
    public int RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling(RetryAfter.TotalSeconds));
}

/// <summary>The prompt has more tokens than the server accepts (<c>ChatWeb:Inference:MaxPromptTokens</c>).</summary>
public sealed class PromptTooLongException(int tokens, int limit)
    : Exception($"The conversation is {tokens} tokens long; this server accepts at most {limit}. Start a new chat or shorten the message.")
{
    /// <summary>The prompt's length in tokens.</summary>
    public int Tokens { get; } = tokens;

    /// <summary>The longest prompt the scheduler takes.</summary>
    public int Limit { get; } = limit;
}

/// <summary>The request ran past its wall-clock limit; what was generated before stays delivered.</summary>
public sealed class GenerationTimedOutException(TimeSpan limit)
    : TimeoutException($"The answer took longer than the server's limit of {limit.TotalSeconds:0} s and was stopped.");

/// <summary>The model failed while working on this request; other requests carry on.</summary>
public sealed class GenerationFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The request asks for something this model's runtime cannot do (log-probabilities or constrained output on ONNX Runtime GenAI); a client error (HTTP 400).</summary>
public sealed class UnsupportedRequestException(string message) : Exception(message);
