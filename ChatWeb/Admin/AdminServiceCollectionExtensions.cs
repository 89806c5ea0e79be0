using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace ChatWeb.Admin;

internal static class AdminServiceCollectionExtensions
{
    public const string Role = "admin";

    /// <summary>Cookie sign-in for /admin: anonymous users go to the login page, signed-in non-admins get 403.</summary>
    public static WebApplicationBuilder AddAdmin(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<AdminOptions>(AdminOptions.Section)
            .Validate(o => o.Accounts.All(a => !string.IsNullOrWhiteSpace(a.Name)),
                "Every entry of ChatWeb:Admin:Accounts needs a Name.")
            .Validate(o => o.Accounts.All(a => PasswordHasher.LooksLikeHash(a.PasswordHash)),
                "Every entry of ChatWeb:Admin:Accounts needs a PasswordHash of the form pbkdf2-sha256$iterations$salt$hash " +
                "(an admin can make one on the /admin page); plain passwords are not accepted.")
            .ValidateOnStart();

        var development = builder.Environment.IsDevelopment();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.LoginPath = "/admin/login";
                cookie.Cookie.Name = ".ChatWeb.Admin";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.SlidingExpiration = true;
                cookie.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    context.Response.ContentType = "text/plain; charset=utf-8";
                    return context.Response.WriteAsync("403 Forbidden: this account may not use the admin pages. Sign in as an admin at /admin/login.");
                };
            });
        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddSingleton<AccountDirectory>();
        builder.Services.AddSingleton<SignInThrottle>();
        builder.Services.AddHostedService<InitialAdminSetup>();
        return builder;
    }

    /// <summary>Authentication and authorization, and POST /admin/logout (a form with an antiforgery token).</summary>
    public static WebApplication UseAdmin(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapPost("/admin/logout", SignOutAsync);
        return app;
    }

    // The [FromForm] parameter makes the antiforgery middleware check the form's token.
    private static async Task<IResult> SignOutAsync(HttpContext context, [FromForm] string? returnUrl)
    {
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect("/admin/login");
    }
}
