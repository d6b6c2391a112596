/**
 * Apple Podcasts' categories and their subcategories (https://podcasters.apple.com/support/1691-apple-podcasts-categories),
 * the values `itunes:category` takes. A podcast's `publishing.category` (and `subcategory`) must be one of these pairs;
 * test/unit/publishing-feed.test.ts compares the list with the one podcast-partytime's parser holds.
 */
import type { PodcastConfig } from '../contracts.ts';

export const APPLE_CATEGORIES: Readonly<Record<string, readonly string[]>> = {
  Arts: ['Books', 'Design', 'Fashion & Beauty', 'Food', 'Performing Arts', 'Visual Arts'],
  Business: ['Careers', 'Entrepreneurship', 'Investing', 'Management', 'Marketing', 'Non-Profit'],
  Comedy: ['Comedy Interviews', 'Improv', 'Stand-Up'],
  Education: ['Courses', 'How To', 'Language Learning', 'Self-Improvement'],
  Fiction: ['Comedy Fiction', 'Drama', 'Science Fiction'],
  Government: [],
  History: [],
  'Health & Fitness': ['Alternative Health', 'Fitness', 'Medicine', 'Mental Health', 'Nutrition', 'Sexuality'],
  'Kids & Family': ['Education for Kids', 'Parenting', 'Pets & Animals', 'Stories for Kids'],
  Leisure: ['Animation & Manga', 'Automotive', 'Aviation', 'Crafts', 'Games', 'Hobbies', 'Home & Garden', 'Video Games'],
  Music: ['Music Commentary', 'Music History', 'Music Interviews'],
  News: ['Business News', 'Daily News', 'Entertainment News', 'News Commentary', 'Politics', 'Sports News', 'Tech News'],
  'Religion & Spirituality': ['Buddhism', 'Christianity', 'Hinduism', 'Islam', 'Judaism', 'Religion', 'Spirituality'],
  Science: ['Astronomy', 'Chemistry', 'Earth Sciences', 'Life Sciences', 'Mathematics', 'Natural Sciences', 'Nature', 'Physics', 'Social Sciences'],
  'Society & Culture': ['Documentary', 'Personal Journals', 'Philosophy', 'Places & Travel', 'Relationships'],
  Sports: ['Baseball', 'Basketball', 'Cricket', 'Fantasy Sports', 'Football', 'Golf', 'Hockey', 'Rugby', 'Running', 'Soccer', 'Swimming', 'Tennis', 'Volleyball', 'Wilderness', 'Wrestling'],
  Technology: [],
  'True Crime': [],
  'TV & Film': ['After Shows', 'Film History', 'Film Interviews', 'Film Reviews', 'TV Reviews'],
};

/** A category or subcategory that is not one of Apple's, as violations (`podcast put` refuses these). */
export function categoryProblems(podcast: Pick<PodcastConfig, 'publishing'>): string[] {
  const { category, subcategory } = podcast.publishing;
  if (category === undefined) return subcategory === undefined ? [] : ['/publishing/subcategory needs /publishing/category'];
  const subcategories = APPLE_CATEGORIES[category];
  if (!subcategories) return [`/publishing/category "${category}" is not an Apple Podcasts category (${Object.keys(APPLE_CATEGORIES).join(', ')})`];
  if (subcategory !== undefined && !subcategories.includes(subcategory)) {
    return [`/publishing/subcategory "${subcategory}" is not a subcategory of ${category}${subcategories.length ? ` (${subcategories.join(', ')})` : ' (it has none)'}`];
  }
  return [];
}
