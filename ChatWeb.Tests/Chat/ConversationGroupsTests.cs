using ChatWeb.Chat;
using ChatWeb.Storage;

namespace ChatWeb.Tests.Chat;

public sealed class ConversationGroupsTests
{
    // 00:30 on 21 November in Berlin (UTC+1) is still 20 November in UTC.
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 23, 30, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static StoredConversation At(string title, DateTimeOffset active, bool pinned = false) =>
        new(title, "owner", title, null, "{}", active, active, pinned);

    [Fact]
    public void GroupsByThePersonsOwnDays_PinnedFirst()
    {
        var groups = ConversationGroups.Of(
        [
            At("just now", Now),
            At("pinned long ago", Now.AddDays(-40), pinned: true),
            At("23:10 UTC yesterday = 00:10 today in Berlin", Now.AddMinutes(-20)),
            At("yesterday evening", Now.AddHours(-3)),
            At("three days ago", Now.AddDays(-3)),
            At("a week ago", Now.AddDays(-7)),
            At("eight days ago", Now.AddDays(-8)),
        ], Now, Berlin);

        Assert.Equal(["Pinned", "Today", "Yesterday", "Previous 7 days", "Older"], groups.Select(g => g.Name));
        Assert.Equal(["pinned long ago"], groups[0].Conversations.Select(c => c.Title));
        Assert.Equal(["just now", "23:10 UTC yesterday = 00:10 today in Berlin"], groups[1].Conversations.Select(c => c.Title));
        Assert.Equal(["yesterday evening"], groups[2].Conversations.Select(c => c.Title));
        Assert.Equal(["three days ago", "a week ago"], groups[3].Conversations.Select(c => c.Title));
        Assert.Equal(["eight days ago"], groups[4].Conversations.Select(c => c.Title));
    }

    [Fact]
    public void TheSameMoments_FallOnOtherDays_InUtc()
    {
        var groups = ConversationGroups.Of([At("23:10 UTC", Now.AddMinutes(-20)), At("20:30 UTC", Now.AddHours(-3))], Now, TimeZoneInfo.Utc);

        Assert.Equal(["Today"], groups.Select(g => g.Name));
    }

    [Fact]
    public void EmptyGroups_AreLeftOut() =>
        Assert.Empty(ConversationGroups.Of([], Now, TimeZoneInfo.Utc));
}
