import { expect } from 'chai';
import { promotionalSignal } from '../../src/core/generation/promotional.ts';
import { writeDialogue } from '../../src/core/generation/dialogue-writer.ts';
import { episodeContent, podcastConfig, post } from '../helpers/factories.ts';

const signalOf = (text: string, links: string[] = []) => promotionalSignal({ channel: 'telecast_sample', text, links });

describe('promotional posts', () => {
  const promotional: [string, string, string[]?][] = [
    ['ad hashtag', 'The best headphones of the year are finally on sale. #ad'],
    ['ad hashtag', 'Our partner launched a new app for travellers #sponsored'],
    ['ad hashtag', 'Лучший курс по программированию этого года #реклама'],
    ['ad header', 'Sponsored\nThe smartest way to save on your cloud bill.'],
    ['ad header', 'Advertisement\nTry the new banking app today.'],
    ['ad header', 'Sponsored: the smartest way to save on your cloud bill.'],
    ['ad header', 'פרסומת\nהאפליקציה החדשה שתחסוך לכם כסף.'],
    ['ad header', 'Курс по Python для начинающих.\nРеклама. ООО «Ромашка», ИНН 7700000000'],
    ['promo code', 'New running shoes are here. Use code RUN20 for 20% off your first order.'],
    ['promo code', 'Get the premium plan with discount code TECH15 this week.'],
    ['promo code', 'All our coupon codes give 30% off until Sunday.'],
    ['promo code', 'Новый сервис доставки: промокод FOOD10 на первый заказ.'],
    ['erid marking', 'Отличный онлайн-курс для аналитиков. erid: 2VtzqwZ8kPa'],
    ['erid marking', 'A great course for analysts.', ['https://shop.example/course?utm_source=tg&erid=2VtzqwZ8kPa']],
    ['channel plug', 'Subscribe to our friends, the best deals every day: https://t.me/best_deals'],
    ['channel plug', 'Join @best_deals_channel now!'],
    ['channel plug', 'הצטרפו לערוץ החדש שלנו t.me/new_channel'],
  ];
  for (const [signal, text, links] of promotional) {
    it(`drops "${text.split('\n').join(' / ').slice(0, 60)}" (${signal})`, () => {
      expect(signalOf(text, links ?? [])).to.equal(signal);
    });
  }

  const ordinary = [
    'The advertising industry had its worst quarter in a decade, analysts say.',
    'The board approved the promotion of the director to chief executive.',
    'Three companies signed new codes of conduct for their AI models.',
    'Police warn of fake promo code texts that steal bank details.',
    'Adobe shipped a new version of Photoshop #adobe',
    'Ad blockers are now used by a third of all readers.',
    'The bill, sponsored by two senators, passed on Tuesday.',
    'Реклама в метро подорожала на треть за год.',
    'Join us at the meetup on Friday: the city library, seven in the evening.',
    'Our colleagues at @city_news report that the bridge will close for repairs on Monday, and the detour adds twenty minutes to the commute for most drivers crossing the river.',
    'Subscribe to our channel for more: https://t.me/telecast_sample',
    'Use the code of the week to unlock the museum audio guide, the curators say.',
  ];
  for (const text of ordinary) {
    it(`keeps "${text.slice(0, 60)}"`, () => {
      expect(signalOf(text)).to.equal(undefined);
    });
  }

  it('the offline writer leaves promotional posts out of the script and counts them', () => {
    const content = episodeContent([
      post({ id: 1, text: 'The advertising industry had its worst quarter in a decade, analysts say.' }),
      post({ id: 2, text: 'New running shoes are here. Use code RUN20 for 20% off your first order.' }),
      post({ id: 3, text: 'Sponsored\nThe smartest way to save on your cloud bill.' }),
    ]);
    const script = writeDialogue(podcastConfig(), content);
    const all = script.turns.map((t) => t.text).join(' ');
    expect(all).to.include('advertising industry');
    expect(all).to.not.include('RUN20').and.not.include('cloud bill');
    expect(script.generation?.promotional_dropped).to.equal(2);
    expect(script.generation?.short_because).to.include('2 promotional posts dropped');
  });
});
