using System.ComponentModel.DataAnnotations;
using ChatWeb.Storage;

namespace ChatWeb.Tests.Storage;

public sealed class StorageOptionsTests
{
    private static List<string> Problems(StorageOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage!).ToList();
    }

    [Fact]
    public void Postgres_WithoutAConnectionString_SaysWhatToSet()
    {
        var problem = Assert.Single(Problems(new StorageOptions { Provider = StorageProvider.Postgres }));

        Assert.Contains("ChatWeb:Storage:ConnectionString is empty", problem);
        Assert.Contains("Host=", problem);
    }

    [Fact]
    public void Postgres_WithAGarbledConnectionString_SaysItIsNotOne()
    {
        var problem = Assert.Single(Problems(new StorageOptions { Provider = StorageProvider.Postgres, ConnectionString = "Hots=db;Port" }));

        Assert.Contains("not a valid Npgsql connection string", problem);
    }

    [Fact]
    public void TheSqliteDefault_NeedsNoConnectionString()
    {
        Assert.Empty(Problems(new StorageOptions()));
    }
}
