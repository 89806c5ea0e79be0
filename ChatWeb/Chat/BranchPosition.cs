namespace ChatWeb.Chat;

/// <summary>A message's place among its alternatives: the <see cref="Index"/>th (from 1) of <see cref="Count"/>, shown as "‹ 2/3 ›".</summary>
public readonly record struct BranchPosition(int Index, int Count)
{
    /// <summary>The only version of the message.</summary>
    public static BranchPosition Only { get; } = new(1, 1);

    /// <summary>True when there are other versions to switch to.</summary>
    public bool HasAlternatives => Count > 1;
}
