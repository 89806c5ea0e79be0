using System.ComponentModel.DataAnnotations;

namespace ChatWeb.Sessions;

/// <summary>How long a browser's session (and so its access to its history) lasts without a visit, and how often an address may load pages.</summary>
public sealed class ChatSessionOptions
{
    public const string Section = "ChatWeb:Sessions";

    /// <summary>A session unused this long ends; its conversations stay stored but that browser starts afresh.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "400.00:00:00",
        ErrorMessage = "ChatWeb:Sessions:IdleTimeout must be between 00:01:00 and 400.00:00:00 (days.hours:minutes:seconds).")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromDays(14);

    /// <summary>Page views and circuit requests one network address may make per minute.</summary>
    [Range(1, 1_000_000, ErrorMessage = "ChatWeb:Sessions:PageRequestsPerMinutePerAddress must be between 1 and 1000000.")]
    public int PageRequestsPerMinutePerAddress { get; set; } = 300;
}
