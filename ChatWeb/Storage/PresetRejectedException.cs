namespace ChatWeb.Storage;

/// <summary>A preset change the store refused; the message is meant for the admin as it is.</summary>
public sealed class PresetRejectedException(string message) : Exception(message);
