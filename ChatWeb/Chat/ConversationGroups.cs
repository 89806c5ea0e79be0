using ChatWeb.Storage;

namespace ChatWeb.Chat;

/// <summary>A heading of the sidebar and the conversations under it.</summary>
public sealed record ConversationGroup(string Name, IReadOnlyList<StoredConversation> Conversations);

/// <summary>
/// The sidebar's grouping: pinned conversations first, then by the day they were last active in the
/// person's own time zone: Today, Yesterday, Previous 7 days, Older. Empty groups are left out; each
/// keeps the order it was given (most recently active first).
/// </summary>
public static class ConversationGroups
{
    public const string Pinned = "Pinned", Today = "Today", Yesterday = "Yesterday", PreviousWeek = "Previous 7 days", Older = "Older";

    public static IReadOnlyList<ConversationGroup> Of(IReadOnlyList<StoredConversation> conversations, DateTimeOffset now, TimeZoneInfo zone)
    {
        var today = LocalDay(now, zone);
        return conversations
            .GroupBy(c => c.Pinned ? Pinned : (today - LocalDay(c.UpdatedAt, zone)) switch
            {
                <= 0 => Today,
                1 => Yesterday,
                <= 7 => PreviousWeek,
                _ => Older,
            })
            .OrderBy(g => Array.IndexOf([Pinned, Today, Yesterday, PreviousWeek, Older], g.Key))
            .Select(g => new ConversationGroup(g.Key, g.ToList()))
            .ToList();
    }

    private static int LocalDay(DateTimeOffset time, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time, zone).DateTime).DayNumber;
}
