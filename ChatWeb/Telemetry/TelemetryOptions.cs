namespace ChatWeb.Telemetry;

/// <summary>Settings under <c>ChatWeb:Telemetry</c>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "ChatWeb:Telemetry";

    /// <summary>
    /// Puts prompts and answers into the chat spans (gen_ai input/output messages). Off by default: traces then carry
    /// only model, token counts and timings. (Logs hold the text only at Trace level, whatever this says.)
    /// </summary>
    public bool IncludeContent { get; set; }
}
