using Microsoft.Extensions.Options;

namespace ChatWeb;

/// <summary>The one way ChatWeb registers a settings class: bound to its section, checked at start-up.</summary>
internal static class OptionsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to the configuration section <paramref name="section"/> and checks its
    /// data annotations, and any rule the caller adds with <c>.Validate(...)</c>, when the app starts: an invalid
    /// value stops start-up with the message of the rule it breaks.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this WebApplicationBuilder builder, string section)
        where TOptions : class =>
        builder.Services.AddOptions<TOptions>()
            .Bind(builder.Configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
