namespace ChatWeb.Engine.Model;

/// <summary>
/// One token for <see cref="Transformer.Forward"/>: the sequence it extends, the token id, and whether
/// its logits are wanted (a prompt's last token and every decoded token; not the rest of a prompt).
/// </summary>
public readonly record struct BatchToken(Sequence Sequence, int Token, bool WantLogits);
