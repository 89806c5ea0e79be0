using ChatWeb.Engine.Templates;

namespace ChatWeb.Tests.Engine.Templates;

/// <summary>The Jinja subset, one construct at a time.</summary>
public sealed class JinjaInterpreterTests
{
    private static string Render(string template, Dictionary<string, object?>? variables = null) =>
        JinjaTemplate.Parse(template).Render(variables ?? []);

    [Theory]
    [InlineData("{% for x in [1, 2, 3] %}{{ loop.index0 }}{{ loop.index }}{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}",
        "01TrueFalse3;12FalseFalse3;23FalseTrue3;")]
    [InlineData("{% for x in 'abc'[::-1] %}{{ x }}{% endfor %}", "cba")]
    [InlineData("{{ [1, 2, 3, 4][1:3] }} {{ 'hello'[-3:] }} {{ [1, 2, 3][::-1] }}", "[2, 3] llo [3, 2, 1]")]
    [InlineData("{% if 1 > 2 %}a{% elif 2 > 1 %}b{% else %}c{% endif %}", "b")]
    [InlineData("{% set ns = namespace(n=0) %}{% for x in range(4) %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}", "6")]
    [InlineData("{% set n = 1 %}{% for x in [1] %}{% set n = 5 %}{% endfor %}{{ n }}", "1")]
    [InlineData("{{ '  a b  ' | trim | upper }}|{{ 'AbC' | lower }}|{{ [1, 2] | length }}|{{ 'xyz' | first }}{{ [4, 5] | last }}", "A B|abc|2|x5")]
    [InlineData("{{ missing | default('fallback') }} {{ '' | default('e', true) }} {{ none is none }} {{ 'x' is string }} {{ x is defined }}", "fallback e True True False")]
    [InlineData("{{ {'b': [1, 'two'], 'a': none, 'c': true} | tojson }}", "{\"b\": [1, \"two\"], \"a\": null, \"c\": true}")]
    [InlineData("{{ 'a,b,,c'.split(',') }} {{ 'xxhixx'.strip('x') }} {{ 'hello'.startswith('he') }} {{ 'hello'.endswith('x') }}", "['a', 'b', '', 'c'] hi True False")]
    [InlineData("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 2 ** 3 }} {{ 1 / 2 }} {{ 'a' ~ 1 }}", "3 -4 1 8 0.5 a1")]
    [InlineData("{{ 'yes' if 'b' in ['a', 'b'] else 'no' }} {{ 'ell' in 'hello' }} {{ 3 not in [1, 2] }}", "yes True True")]
    [InlineData("{% for x in [1, 2, 3, 4] if x is even %}{{ x }}{% endfor %}", "24")]
    [InlineData("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }} {% endfor %}", "a=1 b=2 ")]
    [InlineData("{% for x in [1, 2, 3] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 3 %}{% break %}{% endif %}{{ x }}{% endfor %}", "1")]
    [InlineData("{% for x in [] %}a{% else %}empty{% endfor %}", "empty")]
    [InlineData("{% set greeting %}Hi {{ name }}{% endset %}{{ greeting | upper }}", "HI BOB")]
    [InlineData("  {%- if true -%}  \n x  {%- endif %}\n", "x")]
    [InlineData("a\n  {% if true %}\n  b\n  {% endif %}\nc", "a\n  b\nc")]
    [InlineData("{{ 'x' }}\n", "x")]
    [InlineData("{{ 'x' }}\n\n", "x\n")]
    [InlineData("{{ ['a', 'b', 'c'] | reject('equalto', 'b') | join(', ') }}|{{ [{'n': 1}, {'n': 2}] | map(attribute='n') | list }}", "a, c|[1, 2]")]
    [InlineData("{{ [{'r': 'user'}, {'r': 'tool'}] | selectattr('r', 'equalto', 'user') | list | length }}", "1")]
    [InlineData("{% set m = [1, 2, 3] %}{% set m = m[1:] %}{{ m }} {{ m | first }} {{ none is not none }}", "[2, 3] 2 False")]
    public void Renders(string template, string expected)
    {
        Assert.Equal(expected, Render(template, new Dictionary<string, object?> { ["name"] = "Bob" }));
    }

    [Theory]
    [InlineData("{% macro m() %}{% endmacro %}", "unsupported statement 'macro'")]
    [InlineData("{% include 'x.j2' %}", "unsupported statement 'include'")]
    [InlineData("{{ 'x' | wordwrap }}", "unsupported filter 'wordwrap'")]
    [InlineData("{{ 1 is prime }}", "unsupported test 'prime'")]
    [InlineData("{{ 'x'.zfill(3) }}", "unsupported string method 'zfill'")]
    [InlineData("{{ lipsum() }}", "unsupported function 'lipsum'")]
    [InlineData("{% if true %}never closed", "missing 'endif'")]
    [InlineData("{{ raise_exception('roles must alternate') }}", "roles must alternate")]
    public void Rejects_NamingTheProblem(string template, string expected)
    {
        var error = Assert.Throws<TemplateException>(() => Render(template));
        Assert.Contains(expected, error.Message);
    }
}
