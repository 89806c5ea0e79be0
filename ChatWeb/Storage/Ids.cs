using System.Buffers.Text;
using System.Security.Cryptography;

namespace ChatWeb.Storage;

/// <summary>Unguessable ids: 128 random bits from the system's cryptographic generator, URL-safe.</summary>
internal static class Ids
{
    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
}
