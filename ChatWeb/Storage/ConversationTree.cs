using ChatWeb.Chat;

namespace ChatWeb.Storage;

/// <summary>
/// The one rule for which messages of a branched conversation are shown (and sent to the model): from
/// the first message down, at each step the selected one among the siblings (the newest if none is
/// marked), each with its <see cref="BranchPosition"/> among them.
/// </summary>
internal static class ConversationTree
{
    /// <summary>The selected path through <paramref name="all"/> (every message of one conversation, oldest first).</summary>
    public static List<StoredMessage> SelectedPath(IReadOnlyList<StoredMessage> all)
    {
        var children = all.ToLookup(m => m.ParentId ?? "");
        var path = new List<StoredMessage>();
        var parent = "";
        while (path.Count < all.Count && children[parent].ToList() is { Count: > 0 } siblings)
        {
            var index = siblings.FindLastIndex(m => m.Selected);
            if (index < 0)
                index = siblings.Count - 1;
            path.Add(siblings[index] with { Branch = new BranchPosition(index + 1, siblings.Count) });
            parent = siblings[index].Id;
        }
        return path;
    }
}
