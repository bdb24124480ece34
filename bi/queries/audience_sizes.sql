-- Audience sizes: current members of each audience and how many joined in the last 7 days of data.
-- In a BI tool: a table, or bars of current members per audience.
with

data_end as (
    select max(entered_at) as latest_entry from marts.audience_members
)

select
    definitions.audience,
    definitions.description,
    count(members.user_key) filter (where members.is_current) as current_members,
    count(members.user_key) filter (
        where members.is_current and members.entered_at > data_end.latest_entry - interval 7 day
    ) as joined_last_7_days,
    count(members.user_key) as members_ever
from config.audience_definitions as definitions
left join marts.audience_members as members
    on definitions.audience = members.audience
cross join data_end
group by definitions.audience, definitions.description
order by current_members desc
