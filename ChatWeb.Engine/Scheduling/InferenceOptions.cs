using ChatWeb.Engine.Model;

namespace ChatWeb.Engine.Scheduling;

/// <summary>How the inference scheduler shares the model between users (section <c>ChatWeb:Inference</c>).</summary>
public sealed class InferenceOptions
{
    /// <summary>The configuration section these settings are read from.</summary>
    public const string Section = "ChatWeb:Inference";

    /// <summary>Threads that run the model's matrix work; 0 = one per core.</summary>
    public int Threads { get; set; }

    /// <summary>Most generations advanced together in one engine step.</summary>
    public int MaxConcurrentSequences { get; set; } = 8;

    /// <summary>Most requests waiting for a slot; one more is refused with "server busy".</summary>
    public int QueueSize { get; set; } = 32;

    /// <summary>Most tokens one generation holds (prompt and answer); capped by the model's trained context.</summary>
    public int ContextLength { get; set; } = 4096;

    /// <summary>How key/value caches store their numbers: F16 (default: half of F32's memory, every oracle
    /// file within its tolerance), F32 (exact) or Q8_0 (about a quarter of F32's; within the quantized files' tolerances only).</summary>
    public KvCacheType KvCacheType { get; set; } = KvCacheType.F16;

    /// <summary>Memory for all generations' key/value caches together, in MB, the caches kept for each owner's next
    /// turn included (the least recently used of those gives way first when a request needs the memory).</summary>
    public int KvCacheBudgetMb { get; set; } = 2048;

    /// <summary>Longest prompt in tokens; 0 = three quarters of <see cref="ContextLength"/>.</summary>
    public int MaxPromptTokens { get; set; }

    /// <summary>Wall-clock limit of one request, queueing included, in seconds.</summary>
    public int RequestTimeoutSeconds { get; set; } = 600;

    /// <summary>Most prompt tokens processed in one engine step (all prompts together), so a long prompt never freezes other streams for long.</summary>
    public int PromptChunkTokens { get; set; } = 64;

    /// <summary>Most generations one owner runs at once; further ones wait in the queue behind them.</summary>
    public int MaxActivePerOwner { get; set; } = 1;

    /// <summary>These settings with the model's context setting (<c>ChatWeb:Model:ContextTokens</c>) applied when it is set.</summary>
    public InferenceOptions ForModel(Local.ModelOptions model)
    {
        var options = (InferenceOptions)MemberwiseClone();
        if (model.ContextTokens > 0)
            options.ContextLength = model.ContextTokens;
        return options;
    }

    /// <summary><see cref="MaxPromptTokens"/>, or three quarters of <see cref="ContextLength"/> when it is 0.</summary>
    public int EffectiveMaxPromptTokens => MaxPromptTokens > 0 ? MaxPromptTokens : ContextLength * 3 / 4;
}
