import { slackText, teamsText } from './chat-text.js';

describe('a chat message as a report’s text', () => {
  it('Slack: mentions go, links keep their words, Slack’s three escapes are undone once', () => {
    expect(slackText('<@U0LAN0Z89> Epic is frozen on 4 West')).toBe('Epic is frozen on 4 West');
    expect(slackText('<@U0LAN0Z89|corral> <!here> cc <@W123ABC> Epic down')).toBe('cc Epic down');
    expect(slackText('see <https://status.example/epic|the status page> and <https://x.example/a>')).toBe('see the status page and https://x.example/a');
    expect(slackText('in <#C0123ABC|ward-4w> since <!date^1392734382^{time}|07:02>')).toBe('in #ward-4w since 07:02');
    expect(slackText('dose &lt;5 &amp;&amp; rate &gt; 3 &amp;lt; stays')).toBe('dose <5 && rate > 3 &lt; stays');
    expect(slackText('line one\n\n line two\t ')).toBe('line one line two');
    expect(slackText('<@U0LAN0Z89>')).toBe('');
  });

  it('Teams: the <at> mentions go with their names, other tags become spaces, entities are decoded after', () => {
    expect(teamsText('<at>corral</at> Epic is frozen on 4 West\n')).toBe('Epic is frozen on 4 West');
    expect(teamsText('<div><div><at>corral</at>&nbsp;Epic<br>frozen &amp; slow</div></div>')).toBe('Epic frozen & slow');
    expect(teamsText('<at>corral</at> ask <at>Jane Smith</at> about it')).toBe('ask about it');
    expect(teamsText('typed &lt;b&gt;bold&lt;/b&gt; &#39;x&#39; &#x2764; &bogus; &#xD83D;')).toBe("typed <b>bold</b> 'x' ❤ &bogus; &#xD83D;");
  });
});
