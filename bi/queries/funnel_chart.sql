-- Funnel chart: users per step of one funnel (all traffic), with step conversion and drop-off.
-- In a BI tool: a funnel or bar chart of users by step_name, ordered by step_number.
select
    funnel,
    step_number,
    step_name,
    users,
    conversion_rate_from_previous,
    conversion_rate_from_start,
    drop_off_users
from marts.funnel_steps
where
    funnel = 'ecommerce'
    and breakdown_dimension = 'all'
order by step_number
