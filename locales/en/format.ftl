# How dates and numbers are written (src/i18n/format.rs). Month and weekday names, the order
# of a date's parts and the decimal sign; units are written as the source gives them.
format-date = { $day } { $month } { $year }
format-month-year = { $month } { $year }
format-date-weekday = { $weekday } { $date }
format-datetime = { $date }, { $time } { $zone }
format-decimal-sign = .
# Thousands are grouped with this sign; an amount of money: US dollars, and another currency by
# its ISO code (src/i18n/format.rs `money`).
format-group-sign = ,
format-money-usd = { $sign }${ $amount }
format-money-other = { $sign }{ $amount } { $currency }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
weekday-1 = Monday
weekday-2 = Tuesday
weekday-3 = Wednesday
weekday-4 = Thursday
weekday-5 = Friday
weekday-6 = Saturday
weekday-7 = Sunday
