namespace ChatWeb.Engine.Model;

/// <summary>One token in a forward step: whose it is, which it is, where it goes, and whether its logits are wanted.</summary>
internal struct BatchRow
{
    public Sequence Sequence;
    public int Token;
    public int Position;
    public bool WantLogits;
}
