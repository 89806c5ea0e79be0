using ChatWeb.Tests.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;

namespace ChatWeb.Tests.Admin;

public sealed class AdminConfigurationTests
{
    [Fact]
    public void APlainPasswordInConfiguration_StopsStartUp_SayingHowToFixIt()
    {
        using var folder = new TempDataFolder();
        using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ChatWeb:Storage:DataFolder", folder.Path);
            builder.UseSetting("ChatWeb:Admin:Accounts:0:Name", "alice");
            builder.UseSetting("ChatWeb:Admin:Accounts:0:PasswordHash", "hunter2");
        });

        var error = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());

        Assert.Contains("pbkdf2-sha256$iterations$salt$hash", error.Message);
        Assert.Contains("plain passwords are not accepted", error.Message);
    }
}
