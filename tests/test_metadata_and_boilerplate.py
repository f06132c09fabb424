"""Metadata stated in the text, and the boilerplate rules, one realistic line each."""

from __future__ import annotations

import pytest

from polthemes.corpus.boilerplate import compile_rules, default_rules, find_boilerplate
from polthemes.corpus.metadata import field_line_reader, parse_date, split_trailing_byline
from polthemes.resources import ResourceFileError


@pytest.mark.parametrize(
    "text, expected",
    [
        ("日期:2017-07-25    来源:    作者:邢秀芬", "2017-07-25"),
        ("Date: July 15, 2023", "2023-07-15"),
        ("2021-07-02", "2021-07-02"),
        ("发布时间：2022年1月3日 08:15", "2022-01-03"),
        ("Published on 3 March 2019", "2019-03-03"),
        ("Sept. 9, 2020", "2020-09-09"),
        ("2023/2/30", ""),  # not a date: left empty, never guessed
        ("the 2016-2020 five-year plan", ""),
    ],
)
def test_dates_in_chinese_and_english_formats(text, expected):
    assert parse_date(text) == expected


def test_bare_date_line_must_be_only_a_date():
    assert parse_date("2021-07-02 10:30", whole=True) == "2021-07-02"
    assert parse_date("On 2021-07-02 the committee met.", whole=True) == ""


def test_field_line_reads_every_stated_field_and_skips_empty_ones():
    reader = field_line_reader()
    assert reader.read("日期:2017-07-25    来源:    作者:邢秀芬") == {"date": "2017-07-25", "author": "邢秀芬"}
    assert reader.read("Source: Heilongjiang Daily") == {"source": "Heilongjiang Daily"}
    assert reader.read("The source: of all strength is the people.") is None


@pytest.mark.parametrize(
    "paragraph, author, source, remaining",
    [
        ("the whole section. (Wang Liang, Sun)", "Wang Liang, Sun", "", "the whole section."),
        ("取得实效。（记者 张三 李四）", "张三 李四", "", "取得实效。"),
        ("共同发力。(Xinhua)", "", "Xinhua", "共同发力。"),
        ("提供了有力保障。（人民网）", "", "人民网", "提供了有力保障。"),
    ],
)
def test_trailing_byline_is_split_off_the_last_paragraph(paragraph, author, source, remaining):
    byline = split_trailing_byline(paragraph)
    assert (byline.author, byline.source, byline.remaining_text) == (author, source, remaining)


@pytest.mark.parametrize("paragraph", ["during the plan period (2016-2020)", "全年任务（下转第二版）", "the mass line (qunzhong luxian)"])
def test_parenthesis_that_is_not_a_byline_stays(paragraph):
    assert split_trailing_byline(paragraph) is None


@pytest.mark.parametrize(
    "line, rule",
    [
        ("Home » News » Party Building", "navigation"),
        ("首页 > 新闻中心 > 党建工作", "navigation"),
        ("您现在的位置：首页 >> 理论学习", "navigation"),
        ("by admin", "author_handle"),
        ("Your email address will not be published. Required fields are marked *", "comment_form"),
        ("用户名:    匿名发表", "comment_form"),
        ("Log in", "login_box"),
        ("登录 | 注册", "login_box"),
        ("This website uses cookies to improve your experience. Accept Read More", "cookie_banner"),
        ("本网站使用cookies以提升您的浏览体验", "cookie_banner"),
        ("See also  2nd Great Country Craftsman Innovation Exchange Conference", "related_link"),
        ("相关链接：学习贯彻党的二十大精神", "related_link"),
        ("【打印】【关闭】", "share_print"),
        ("责任编辑：王五", "editor_credit"),
        ("Copyright © 2023 Heilongjiang Daily. All rights reserved.", "copyright"),
        ("京ICP备05070218号", "copyright"),
    ],
)
def test_each_boilerplate_rule_recognises_its_kind_of_line(line, rule):
    assert default_rules().classify(line)[0] == rule


@pytest.mark.parametrize(
    "line",
    [
        "The party committee in this section uses various forms, such as central group study and weekly class meeting.",
        "Make good use of the media and create an atmosphere.",
        "发挥“美篇”宣教作用",
        "创新宣传思想工作载体",
        "Home visits by cadres to the families of workers on shift were arranged every month.",
        "评论员文章指出，要坚持以人民为中心的发展思想。",
    ],
)
def test_article_lines_are_not_mistaken_for_boilerplate(line):
    assert default_rules().classify(line) is None


def test_tail_block_is_cut_only_when_no_real_paragraph_follows():
    long_paragraph = "The steering group then visited every unit and held talks with the party branches. " * 5
    lines = ["First paragraph of the article.", "You may also like", "Short link one", "Short link two"]
    assert find_boilerplate(lines) == {1: "recommended_reading", 2: "recommended_reading", 3: "recommended_reading"}
    assert find_boilerplate(lines[:2] + [long_paragraph]) == {1: "recommended_reading"}


def test_bad_pattern_file_row_is_named():
    with pytest.raises(ResourceFileError, match=r"boilerplate rule 'broken': bad pattern"):
        compile_rules([{"rule": "broken", "scope": "line", "pattern": "(unclosed"}])
    with pytest.raises(ResourceFileError, match=r"scope must be line or tail, not 'page'"):
        compile_rules([{"rule": "x", "scope": "page", "pattern": "x"}])
